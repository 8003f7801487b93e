// Placeholder until the page is built.
export default function StatusPage() {
  return null;
}
