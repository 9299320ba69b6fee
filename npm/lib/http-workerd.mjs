// pipehat/http (workerd): HL7 over HTTP as a fetch handler, a node:http handler and an AWS Lambda handler.
import api from "./workerd.mjs";
import { makeHttp } from "./transport/http.mjs";

export const { hl7Http, nodeHttp, lambda } = makeHttp(api);
export const { HL7TransportError } = api;
