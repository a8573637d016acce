// Type-level equality, for holding a schema's static type and a TypeScript
// type to be the same: a mismatch is a compile error naming both types.

/** Deep structural normal form: intersections flattened, so equal shapes compare equal. */
export type Normal<T> = T extends readonly (infer E)[] ? Normal<E>[] : T extends object ? {[K in keyof T]: Normal<T[K]>} : T

export type Equals<A, B> = (<X>() => X extends Normal<A> ? 1 : 2) extends <X>() => X extends Normal<B> ? 1 : 2 ? true : false

/** Compiles only when Schema and Type are the same type; otherwise the error shows both. */
export function sameType<Schema, Type>(proof: Equals<Schema, Type> extends true ? true : {schema: Normal<Schema>; type: Normal<Type>}): void {
  void proof
}
