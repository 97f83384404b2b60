/**
 * Maps positions in preprocessed text back to the original files. Each output line records the
 * file and line it came from plus column segments: a verbatim segment maps column for column, a
 * macro expansion maps every column to the macro name in the source.
 */
import type { SrcLoc } from "../ast/nodes.ts";

export interface ColumnSegment {
  /** 1-based column in the output line where this segment starts. */
  outCol: number;
  /** 1-based column in the original line. */
  srcCol: number;
  verbatim: boolean;
}

export interface OutputLineOrigin {
  file: string;
  line: number;
  segments: ColumnSegment[];
}

export class SourceMap {
  private readonly lines: OutputLineOrigin[] = [];

  addLine(origin: OutputLineOrigin): void {
    this.lines.push(origin);
  }

  /** Maps a 1-based (line, col) of the preprocessed text to its original location. */
  locate(outLine: number, outCol: number): SrcLoc {
    const origin = this.lines[Math.min(Math.max(outLine, 1), this.lines.length) - 1];
    if (origin === undefined) return { file: "<input>", line: outLine, col: outCol };
    let seg: ColumnSegment | undefined;
    for (const s of origin.segments) {
      if (s.outCol <= outCol) seg = s;
      else break;
    }
    if (seg === undefined) return { file: origin.file, line: origin.line, col: outCol };
    const col = seg.verbatim ? seg.srcCol + (outCol - seg.outCol) : seg.srcCol;
    return { file: origin.file, line: origin.line, col };
  }

  /** Location just past the end of the output (for "unexpected end of input"). */
  endLocation(): SrcLoc {
    const last = this.lines[this.lines.length - 1];
    if (last === undefined) return { file: "<input>", line: 1, col: 1 };
    return { file: last.file, line: last.line, col: 1 };
  }
}
