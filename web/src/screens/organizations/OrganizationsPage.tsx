export default function OrganizationsPage() {
  return null;
}
