// The one typed Pothos builder: the operation context, the scalars, and the model behind each type.
import SchemaBuilder from '@pothos/core';
import type { OperationContext } from '../context.ts';

export const builder = new SchemaBuilder<{
  Context: OperationContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
});
