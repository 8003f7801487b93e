// Placeholder until the page is built.
export default function WorkbenchPage() {
  return null;
}
