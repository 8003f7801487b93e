// Placeholder until the page is built.
export default function PasswordPage() {
  return null;
}
