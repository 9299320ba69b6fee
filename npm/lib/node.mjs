// Node (import): the same instance as require("pipehat").
import api from "./node.cjs";

export const {
  parse,
  parseAll,
  split,
  extract,
  build,
  ack,
  fromJSON,
  mllpEncode,
  Parser,
  Message,
  EditableMessage,
  MllpDecoder,
  Segment,
  Element,
  HL7ParseError,
  HL7PathError,
  HL7EditError,
  HL7MllpError,
  HL7JsonError,
  HL7DatatypeError,
} = api;
export default api;
