// The Swarm driver's firewall rules as iptables arguments (published-ports-firewall.ts); the docker
// tier checks that they are installed and that they stop an app (swarm.docker.test.ts).
import { describe, expect, it } from 'vitest';
import { firewallRules } from '../../src/runtime/swarm/published-ports-firewall.ts';

describe('firewallRules', () => {
  const rules = firewallRules({ low: 32768, high: 60999 }, [8080, 40000, 8080]);
  const lines = rules.map(({ chain, rule }) => `${chain} ${rule.join(' ')}`);

  it("lets berthd's ports through before dropping new connections to the published range", () => {
    expect(lines.slice(0, 3)).toEqual([
      'BERTH-PUBLISHED -p tcp --dport 8080 -j RETURN',
      'BERTH-PUBLISHED -p tcp --dport 40000 -j RETURN',
      'BERTH-PUBLISHED -p tcp -m conntrack --ctstate NEW --dport 32768:60999 -j DROP',
    ]);
  });

  it('sends what comes from the task and build bridges through it, locally and when forwarded', () => {
    expect(lines.slice(3)).toEqual([
      'INPUT -i docker_gwbridge -j BERTH-PUBLISHED',
      'DOCKER-USER -i docker_gwbridge -p tcp -m conntrack --ctstate NEW -m conntrack --ctstate DNAT --ctorigdstport 32768:60999 -j DROP',
      'INPUT -i docker0 -j BERTH-PUBLISHED',
      'DOCKER-USER -i docker0 -p tcp -m conntrack --ctstate NEW -m conntrack --ctstate DNAT --ctorigdstport 32768:60999 -j DROP',
    ]);
  });
});
