// Placeholder until the page is built.
export default function AppsPage() {
  return null;
}
