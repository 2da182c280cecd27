// A problem found in a content file, located by file, line and field path.
import { AppError } from "../app/errors";

export interface ContentIssue {
  file: string;
  line: number;
  field: string;
  message: string;
}

export const formatIssue = (i: ContentIssue) => `${i.file}:${i.line}: ${i.field}: ${i.message}`;

export class ContentInvalid extends AppError {
  constructor(readonly issues: ContentIssue[]) {
    super("content", issues.length === 1 ? formatIssue(issues[0]!) : `${issues.length} content problems found`, issues.map(formatIssue));
  }
}
