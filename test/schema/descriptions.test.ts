import {
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
} from "graphql";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, GENERATION_ERROR_CODES } from "../../src/error-codes";
import { schema } from "../../src/schema";

/** Every element of the schema a client can see, by its coordinate, with its description. */
function schemaElements(): Array<{ coordinate: string; description: string | null | undefined }> {
  const elements: Array<{ coordinate: string; description: string | null | undefined }> = [];
  const types = Object.values(schema.getTypeMap()).filter(
    (type: GraphQLNamedType) => !isIntrospectionType(type) && !isSpecifiedScalarType(type),
  );
  for (const type of types) {
    elements.push({ coordinate: type.name, description: type.description });
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        elements.push({ coordinate: `${type.name}.${field.name}`, description: field.description });
        for (const arg of "args" in field ? field.args : []) {
          elements.push({ coordinate: `${type.name}.${field.name}(${arg.name}:)`, description: arg.description });
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        elements.push({ coordinate: `${type.name}.${value.name}`, description: value.description });
      }
    }
  }
  return elements;
}

describe("the schema documents itself", () => {
  it("describes every type, field, argument and enum value", () => {
    const elements = schemaElements();
    expect(elements.length).toBeGreaterThan(300);
    const missing = elements.filter((element) => !element.description?.trim()).map((element) => element.coordinate);
    expect(missing, "add a description to each of these").toEqual([]);
  });

  it("lists every error code as an enum value, each described", () => {
    const enumOf = (name: string) => {
      const type = schema.getType(name);
      if (!isEnumType(type)) throw new Error(`${name} is not an enum`);
      return Object.fromEntries(type.getValues().map((value) => [value.name, value.description]));
    };
    expect(enumOf("GenerationErrorCode")).toEqual(GENERATION_ERROR_CODES);
    expect(enumOf("ErrorCode")).toEqual(ERROR_CODES);
    const errorCode = schema.getType("Error");
    if (!isInterfaceType(errorCode)) throw new Error("Error is not an interface");
    expect(String(errorCode.getFields().code?.type)).toBe("ErrorCode!");
    const generation = schema.getType("Generation");
    if (!isObjectType(generation)) throw new Error("Generation is not an object");
    expect(String(generation.getFields().errorCode?.type)).toBe("GenerationErrorCode");
  });
});
