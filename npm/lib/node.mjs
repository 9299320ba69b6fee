// Node (import): the same instance as require("pipehat").
import api from "./node.cjs";

export const {
  parse,
  parseAll,
  split,
  extract,
  build,
  ack,
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
} = api;
export default api;
