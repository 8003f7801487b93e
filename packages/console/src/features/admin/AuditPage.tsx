// Placeholder until the page is built.
export default function AuditPage() {
  return null;
}
