// Bad input to the library: the message names the field (or JSON path) and what is wrong with it.

export class LibraryError extends Error {
  constructor(
    /** The field or JSON path at fault, e.g. "name" or "prompts[0].versions[1].text". */
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'LibraryError';
  }
}
