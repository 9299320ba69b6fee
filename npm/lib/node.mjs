// Node (import): the same instance as require("pipehat").
import api from "./node.cjs";

export const { parse, parseAll, split, extract, Parser, Message, Segment, Element, HL7ParseError, HL7PathError } = api;
export default api;
