export default function OrganizationPage() {
  return null;
}
