// Placeholder until the page is built.
export default function UsersPage() {
  return null;
}
