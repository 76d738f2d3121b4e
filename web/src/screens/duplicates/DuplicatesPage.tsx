export default function DuplicatesPage() {
  return null;
}
