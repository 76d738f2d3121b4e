// The feeds service's client, through the gateway. Its own module so that only the screens
// that call it carry its generated code.
import { FeedsService } from "../gen/engage/feeds/v1/feeds_service_pb";
import { client } from "./transport";

export const feeds = () => client(FeedsService);
