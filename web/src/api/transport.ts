// The one way the console talks to engage: gRPC-Web through the gateway it was served by,
// with the signed-in person's bearer token on every call.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { currentToken } from "../session/token";

const bearer: Interceptor = (next) => async (request) => {
  const token = currentToken();
  if (token !== null) {
    request.header.set("authorization", `Bearer ${token}`);
  }
  return next(request);
};

export const transport = createGrpcWebTransport({
  baseUrl: window.location.origin,
  interceptors: [bearer],
});

const clients = new Map<string, unknown>();

/** The client of one engage service, made once and shared. */
export function client<S extends DescService>(service: S): Client<S> {
  let made = clients.get(service.typeName) as Client<S> | undefined;
  if (made === undefined) {
    made = createClient(service, transport);
    clients.set(service.typeName, made);
  }
  return made;
}
