// The contacts service's client, through the gateway. Its own module so that only the screens
// that call it carry its generated code.
import { ContactsService } from "../gen/engage/contacts/v1/contacts_service_pb";
import { client } from "./transport";

export const contacts = () => client(ContactsService);
