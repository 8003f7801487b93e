// Placeholder until the page is built.
export default function AppDetailPage() {
  return null;
}
