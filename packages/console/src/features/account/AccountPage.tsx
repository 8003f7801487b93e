// Placeholder until the page is built.
export default function AccountPage() {
  return null;
}
