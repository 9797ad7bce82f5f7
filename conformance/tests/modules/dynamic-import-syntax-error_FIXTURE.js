// snapvm conformance fixture (MIT): deliberately not valid JavaScript.
export const = ;
