// The gateway service's client, through the gateway. Its own module so that only the screens
// that call it carry its generated code.
import { GatewayService } from "../gen/engage/gateway/v1/gateway_pb";
import { client } from "./transport";

export const gateway = () => client(GatewayService);
