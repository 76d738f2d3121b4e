// The briefings service's client, through the gateway. Its own module so that only the screens
// that call it carry its generated code.
import { BriefingsService } from "../gen/engage/briefings/v1/briefings_service_pb";
import { client } from "./transport";

export const briefings = () => client(BriefingsService);
