// Placeholder until the page is built.
export default function TokensPage() {
  return null;
}
