// The declarations service's client, through the gateway. Its own module so that only the screens
// that call it carry its generated code.
import { DeclarationsService } from "../gen/engage/declarations/v1/declarations_service_pb";
import { client } from "./transport";

export const declarations = () => client(DeclarationsService);
