/*
 * The document-store shape's model annotated for class-transformer: the same fields, blocks
 * told apart by a discriminator, dates through @Type(() => Date), bytes as base64 (JSON has no
 * bytes), and the shared author written as its id, as a class-transformer user would.
 */
import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';

const toBase64 = ({ value }: { value: Uint8Array }): string => Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64');
const fromBase64 = ({ value }: { value: string }): Uint8Array => new Uint8Array(Buffer.from(value, 'base64'));

export abstract class CtBlock {
  id!: string;
}
export class CtParagraphBlock extends CtBlock {
  text!: string;
  marks!: string[];
}
export class CtHeadingBlock extends CtBlock {
  level!: number;
  text!: string;
}
export class CtImageBlock extends CtBlock {
  src!: string;
  width!: number;
  height!: number;
  alt!: string;
}
export class CtCodeBlock extends CtBlock {
  language!: string;
  source!: string;
}
export class CtChecklistBlock extends CtBlock {
  items!: string[];
  done!: boolean[];
}

export class CtDocAuthor {
  id!: number;
  name!: string;
  email!: string;
  @Type(() => Date) since!: Date;
}

export class CtDocAttachment {
  name!: string;
  mime!: string;
  @Transform(toBase64, { toPlainOnly: true })
  @Transform(fromBase64, { toClassOnly: true })
  bytes!: Uint8Array;
}

export class CtDoc {
  id!: string;
  title!: string;
  @Type(() => Date) created!: Date;
  revision!: number;
  tags!: string[];
  @Type(() => CtBlock, {
    discriminator: {
      property: '__type',
      subTypes: [
        { value: CtParagraphBlock, name: 'docs.Paragraph' },
        { value: CtHeadingBlock, name: 'docs.Heading' },
        { value: CtImageBlock, name: 'docs.Image' },
        { value: CtCodeBlock, name: 'docs.Code' },
        { value: CtChecklistBlock, name: 'docs.Checklist' },
      ],
    },
    keepDiscriminatorProperty: false,
  })
  blocks!: CtBlock[];
  @Transform(toBase64, { toPlainOnly: true })
  @Transform(fromBase64, { toClassOnly: true })
  digest!: Uint8Array;
  /** The author's id. */
  author!: number;
  @Type(() => CtDocAttachment) attachment!: CtDocAttachment;
}

export class CtDocStore {
  name!: string;
  @Type(() => CtDocAuthor) authors!: CtDocAuthor[];
  @Type(() => CtDoc) documents!: CtDoc[];
}
