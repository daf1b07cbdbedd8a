/** Dense integer codes for ids (0, 1, 2, … in order of first appearance), and the ids by code. */
export class DenseCodes {
  readonly ids: string[] = [];
  private readonly codes = new Map<string, number>();

  /** The id's code, without giving an unseen id one. */
  find(id: string): number | undefined {
    return this.codes.get(id);
  }

  code(id: string): number {
    let code = this.codes.get(id);
    if (code === undefined) {
      code = this.ids.length;
      this.ids.push(id);
      this.codes.set(id, code);
    }
    return code;
  }
}
