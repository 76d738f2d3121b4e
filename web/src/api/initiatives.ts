// The initiatives service's client, through the gateway. Its own module so that only the screens
// that call it carry its generated code.
import { InitiativesService } from "../gen/engage/initiatives/v1/initiatives_service_pb";
import { client } from "./transport";

export const initiatives = () => client(InitiativesService);
