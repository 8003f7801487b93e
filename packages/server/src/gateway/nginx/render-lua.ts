// Dynamic upstreams for berthd's own nginx (with Debian's libnginx-mod-http-lua): an upstream block
// of an app environment names no server; a small balancer in Lua picks one from data held in a
// shared dictionary, which berthd replaces through the control socket. A table that changes only
// which instances serve (every deploy, rollback, scale and health change) then needs no reload:
// no worker is replaced, no keep-alive connection is closed, and a table of 10,000 apps is applied
// in the time it takes to send its addresses. A table that changes anything else is reloaded.
//
// The data is lines of text (`upstreamData` below; Debian's module has no JSON library, and this
// needs none): the file `dataFile`, written by the driver before each change, which the master
// loads when it starts or reloads (init_by_lua), so a restarted nginx serves the latest instances.
//
// The balancer does what the static blocks do: smooth weighted round robin over the primaries
// (nginx's own algorithm), the backups when no primary is left, another instance on a connection
// error or timeout (`proxy_next_upstream`), and a failed instance is skipped for 10 s by the worker
// that saw it fail (max_fails=1 fail_timeout=10s), unless every instance failed.
import { NginxRenderError } from './nginx-syntax.ts';

/** The file of the balancer, in the configuration's directory. */
export const BALANCER_FILE = 'berth-upstreams.lua';
/** The shared dictionary's name. */
export const UPSTREAMS_DICT = 'berth_upstreams';

/** One instance, as the balancer's data has it (down instances are left out). */
export interface DynamicPeer {
  host: string;
  port: number;
  weight: number;
  backup: boolean;
}

/** The balancer's data document: a header with the table's sequence, each block's name followed
 *  by its servers (`server HOST PORT WEIGHT BACKUP`), and `end` (a cut document is refused). */
export function upstreamData(seq: number, upstreams: Record<string, readonly DynamicPeer[]>): string {
  const lines = ['berth-upstreams 1', `seq ${seq}`];
  for (const [name, peers] of Object.entries(upstreams)) {
    lines.push(`upstream ${name}`);
    for (const p of peers) lines.push(`server ${p.host} ${p.port} ${p.weight} ${p.backup ? 1 : 0}`);
  }
  lines.push('end', '');
  return lines.join('\n');
}

/** A string as a Lua long-bracket literal (no escapes inside). */
export function luaString(value: string): string {
  const control = [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control || value.includes(']==]')) {
    throw new NginxRenderError(`${JSON.stringify(value)} cannot be written into Lua`);
  }
  return `[==[${value}]==]`;
}

/** The shared dictionary's size: room for the data twice over (an update stores the new copy
 *  before the old one is freed), in steps of powers of two so that growing data rarely changes the
 *  configuration (a new size is a reload). */
export function dictSizeFor(dataBytes: number): string {
  let mib = 1;
  while (mib * 1024 * 1024 < dataBytes * 4) mib *= 2;
  return `${mib}m`;
}

/** What the http block gets: the dictionary, the module loaded with the data file, and the
 *  request ids' module. */
export function luaHttpLines(confDir: string, dataFile: string, dataBytes: number): string[] {
  return [
    `lua_shared_dict ${UPSTREAMS_DICT} ${dictSizeFor(dataBytes)};`,
    'init_by_lua_block {',
    `  berth_upstreams = dofile(${luaString(`${confDir}/${BALANCER_FILE}`)})`,
    `  berth_upstreams.load(${luaString(dataFile)})`,
    `  berth_request_ids = dofile(${luaString(`${confDir}/${REQUEST_ID_FILE}`)})`,
    '}',
  ];
}

/** The file of the request ids' module, in the configuration's directory. */
export const REQUEST_ID_FILE = 'berth-request-id.lua';

/** Sets `variable` to the request's id, once per request, at the level of a server block (an
 *  internal redirect, to an error page, runs the line again and keeps the id the request has). */
export function requestIdLine(variable: '$berth_request_id' | '$berth_fresh_id'): string {
  return `set_by_lua ${variable} 'return berth_request_ids.next(ngx.arg[1])' ${variable};`;
}

// Request ids where the Lua module is loaded: 16 random bytes each as a version 4 UUID, the built-in
// gateway's form. nginx's own $request_id draws its 16 bytes from OpenSSL on every request (a
// system call, getpid, and OpenSSL's look-ups: with the UUID map, 2–3 µs of a request's CPU time
// here, the largest single cost of the driver's configuration); this draws 4 KiB at a time from
// the kernel's generator, per worker, and only formats per request. If /dev/urandom cannot be
// read, nginx's own id is used (32 hex digits) and the error log says so once per worker.
export const REQUEST_ID_LUA = `-- Rendered by berthd (gateway/nginx/render-lua.ts). Do not edit: berthd replaces it.
local byte = string.byte
local POOL = 4096
local pool, pos, owner, warned = "", POOL + 1, nil, false
local hex, version, variant = {}, {}, {}
for i = 0, 255 do
  hex[i] = string.format("%02x", i)
  version[i] = string.format("%02x", 0x40 + i % 16)
  variant[i] = string.format("%02x", 0x80 + i % 64)
end

local M = {}

-- The request's id: \`current\` when the request has one already (an internal redirect), else the
-- next 16 bytes of this worker's pool, refilled from /dev/urandom (a worker's pool is its own: a
-- pool copied from the master, or from a worker before a fork, is never used).
function M.next(current)
  if current ~= nil and current ~= "" then return current end
  local pid = ngx.worker.pid()
  if pos > POOL or owner ~= pid then
    local file = io.open("/dev/urandom", "rb")
    local data = file and file:read(POOL)
    if file then file:close() end
    if data == nil or #data ~= POOL then
      if not warned then
        ngx.log(ngx.ERR, "berth request ids: /dev/urandom cannot be read; nginx's own ids are used")
        warned = true
      end
      return ngx.var.request_id
    end
    pool, pos, owner = data, 1, pid
  end
  local a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p = byte(pool, pos, pos + 15)
  pos = pos + 16
  return hex[a] .. hex[b] .. hex[c] .. hex[d] .. "-" .. hex[e] .. hex[f] .. "-" .. version[g] .. hex[h] ..
    "-" .. variant[i] .. hex[j] .. "-" .. hex[k] .. hex[l] .. hex[m] .. hex[n] .. hex[o] .. hex[p]
end

return M
`;

/** The balancer line of an upstream block named `name`. */
export function balancerLine(name: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new NginxRenderError(`upstream name ${name}`);
  return `balancer_by_lua_block { berth_upstreams.balance("${name}") }`;
}

/** The control listener's location that reads (GET) and replaces (PUT) the data. */
export function controlLines(): string[] {
  return [
    'location = /upstreams {',
    '  client_max_body_size 0;',
    '  client_body_buffer_size 64m;',
    '  default_type text/plain;',
    '  content_by_lua_block { berth_upstreams.control() }',
    '}',
  ];
}

export const BALANCER_LUA = `-- Rendered by berthd (gateway/nginx/render-lua.ts). Do not edit: berthd replaces it.
local balancer = require "ngx.balancer"

local dict = ngx.shared.${UPSTREAMS_DICT}
local FAIL_TIMEOUT = 10

local M = {}

-- This worker's view: the pools of the generation it last read, and the instances it saw fail.
local generation = false
local pools = {}
local failed = {}

-- Reads a data document (render-lua.ts, upstreamData); nil when it is not one.
local function parse(text)
  if type(text) ~= "string" then return nil end
  local seq = text:match("^berth%-upstreams 1\\nseq (%d+)\\n")
  if seq == nil or text:sub(-5) ~= "\\nend\\n" then return nil end
  local upstreams, peers = {}, nil
  for line in text:gmatch("[^\\n]+") do
    local name = line:match("^upstream ([%w_]+)$")
    if name ~= nil then
      peers = {}
      upstreams[name] = peers
    else
      local host, port, weight, backup = line:match("^server ([%x.:]+) (%d+) (%d+) ([01])$")
      if host ~= nil then
        if peers == nil then return nil end
        peers[#peers + 1] = {
          host = host, port = tonumber(port), weight = tonumber(weight), backup = backup == "1",
        }
      elseif line ~= "end" and not line:match("^berth%-upstreams ") and not line:match("^seq ") then
        return nil
      end
    end
  end
  return { seq = tonumber(seq), upstreams = upstreams }
end

-- Stores a data document (JSON text); returns its sequence, or nil and why not.
local function store(text)
  local data = parse(text)
  if data == nil then return nil, "not an upstream document" end
  local ok, err = dict:set("data", text)
  if not ok then return nil, err end
  dict:set("seq", data.seq)
  local g, gerr = dict:incr("generation", 1, 0)
  if not g then return nil, gerr end
  return data.seq
end

function M.load(path)
  local file = io.open(path, "rb")
  if file == nil then return end
  local text = file:read("*a")
  file:close()
  local seq, err = store(text)
  if seq == nil then ngx.log(ngx.ERR, "berth upstreams: ", path, ": ", err) end
end

local function build(text)
  local data = parse(text)
  local result = {}
  if data == nil then return result end
  for name, peers in pairs(data.upstreams) do
    local primaries, backups = {}, {}
    for _, p in ipairs(peers) do
      local peer = {
        host = p.host, port = p.port, weight = p.weight, current = 0,
        key = p.host .. "|" .. p.port,
      }
      if p.backup then backups[#backups + 1] = peer else primaries[#primaries + 1] = peer end
    end
    if #primaries == 0 then primaries, backups = backups, {} end
    local count = #primaries + #backups
    result[name] = {
      primaries = primaries, backups = backups, count = count,
      single = count == 1 and primaries[1] or nil,
    }
  end
  return result
end

local function refresh()
  local g = dict:get("generation")
  if g == generation then return end
  pools = build(dict:get("data"))
  generation = g
end

-- Smooth weighted round robin over the peers neither tried by this request nor failed lately.
local function pick(peers, tried, now)
  local best, total = nil, 0
  for i = 1, #peers do
    local p = peers[i]
    if (tried == nil or not tried[p.key]) and (now == nil or (failed[p.key] or 0) <= now) then
      p.current = p.current + p.weight
      total = total + p.weight
      if best == nil or p.current > best.current then best = p end
    end
  end
  if best ~= nil then best.current = best.current - total end
  return best
end

function M.balance(name)
  refresh()
  local pool = pools[name]
  -- No data for this block: the placeholder server is tried, and the request gets the 502 page.
  if pool == nil then return end
  -- One server (most apps): no choice, no retry, nothing to remember.
  local single = pool.single
  if single ~= nil then
    local ok, err = balancer.set_current_peer(single.host, single.port)
    if not ok then ngx.log(ngx.ERR, "berth upstreams: ", name, ": ", err) end
    return
  end
  local now = ngx.now()
  local ctx, tried
  local retry = balancer.get_last_failure()
  if retry ~= nil then
    ctx = ngx.ctx
    tried = ctx.berth_tried
    if ctx.berth_last ~= nil then failed[ctx.berth_last] = now + FAIL_TIMEOUT end
  end
  local peer = pick(pool.primaries, tried, now) or pick(pool.backups, tried, now)
  if peer == nil then
    -- Every instance left failed lately: try them anyway rather than refuse the request.
    peer = pick(pool.primaries, tried, nil) or pick(pool.backups, tried, nil)
    if peer == nil then return end
  end
  local ok, err = balancer.set_current_peer(peer.host, peer.port)
  if not ok then
    ngx.log(ngx.ERR, "berth upstreams: ", name, ": ", err)
    return
  end
  if pool.count > 1 then
    if retry == nil then
      ctx = ngx.ctx
      tried = {}
      ctx.berth_tried = tried
      balancer.set_more_tries(pool.count - 1)
    end
    tried[peer.key] = true
    ctx.berth_last = peer.key
  end
end

function M.control()
  local method = ngx.req.get_method()
  if method == "GET" then
    ngx.say(tostring(dict:get("seq") or ""))
    return
  end
  if method ~= "PUT" then return ngx.exit(405) end
  ngx.req.read_body()
  local text = ngx.req.get_body_data()
  if text == nil then
    local path = ngx.req.get_body_file()
    local file = path and io.open(path, "rb")
    if file ~= nil then
      text = file:read("*a")
      file:close()
    end
  end
  local seq, err = store(text or "")
  if seq == nil then
    ngx.status = 400
    ngx.say(err)
    return ngx.exit(400)
  end
  ngx.say(tostring(seq))
end

return M
`;
