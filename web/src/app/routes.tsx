// The console's screens, each loaded when first visited so that the first screen carries
// only its own code.
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { Route, Switch } from "wouter";
import { Center, Loader } from "@mantine/core";
import { NotFound } from "./NotFound";

function page(Component: LazyExoticComponent<ComponentType>) {
  return function Page() {
    return (
      <Suspense
        fallback={
          <Center py="xl">
            <Loader aria-label="…" />
          </Center>
        }
      >
        <Component />
      </Suspense>
    );
  };
}

const Dashboard = page(lazy(() => import("../screens/dashboard/DashboardPage")));
const Organizations = page(lazy(() => import("../screens/organizations/OrganizationsPage")));
const Organization = page(lazy(() => import("../screens/organizations/OrganizationPage")));
const People = page(lazy(() => import("../screens/people/PeoplePage")));
const Person = page(lazy(() => import("../screens/people/PersonPage")));
const Duplicates = page(lazy(() => import("../screens/duplicates/DuplicatesPage")));
const Import = page(lazy(() => import("../screens/transfer/ImportPage")));
const Export = page(lazy(() => import("../screens/transfer/ExportPage")));
const Initiatives = page(lazy(() => import("../screens/initiatives/InitiativesPage")));
const Initiative = page(lazy(() => import("../screens/initiatives/InitiativePage")));
const RoadmapReport = page(lazy(() => import("../screens/initiatives/RoadmapReportPage")));
const Declarations = page(lazy(() => import("../screens/declarations/DeclarationsPage")));
const Declaration = page(lazy(() => import("../screens/declarations/DeclarationPage")));
const Events = page(lazy(() => import("../screens/events/EventsPage")));
const Event = page(lazy(() => import("../screens/events/EventPage")));
const ConferenceAttendance = page(lazy(() => import("../screens/events/ConferenceAttendancePage")));
const CheckIn = page(lazy(() => import("../screens/events/CheckInPage")));

/** The screens inside the signed-in frame. `:id` is the record's id, not its resource name. */
export function Screens() {
  return (
    <Switch>
      <Route path="/" component={Dashboard} />
      <Route path="/organizations" component={Organizations} />
      <Route path="/organizations/:id" component={Organization} />
      <Route path="/people" component={People} />
      <Route path="/people/:id" component={Person} />
      <Route path="/duplicates" component={Duplicates} />
      <Route path="/import" component={Import} />
      <Route path="/export" component={Export} />
      <Route path="/initiatives" component={Initiatives} />
      <Route path="/initiatives/:id" component={Initiative} />
      <Route path="/initiatives/:id/report" component={RoadmapReport} />
      <Route path="/declarations" component={Declarations} />
      <Route path="/declarations/:id" component={Declaration} />
      <Route path="/events" component={Events} />
      <Route path="/events/attendance" component={ConferenceAttendance} />
      <Route path="/events/:id" component={Event} />
      <Route path="/events/:id/check-in" component={CheckIn} />
      <Route component={NotFound} />
    </Switch>
  );
}
