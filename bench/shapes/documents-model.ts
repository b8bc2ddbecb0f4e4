/*
 * The document-store shape's model, annotated for pagable: a collection of many small documents,
 * each its own blob, holding an array of small polymorphic blocks, dates, bytes, a shared author
 * and a lazy attachment.
 *
 *   DocStore (root blob, tagged)
 *     authors: @Shared DocAuthor[]      one blob per author, shared by identity by their documents
 *     documents: @Shared Doc[]          one blob per document (a third are content-equal copies)
 *       blocks: @Dyn Block[]            inline, each with its tag
 *       created: Date, digest: Uint8Array
 *       author: @Shared DocAuthor
 *       attachment: @Lazy DocAttachment a small blob, paged in on pin
 */
import { Dyn, Field, Lazy, Pagable, type PagableArc, Shared, TypeTag } from '../../src/index.js';

/** A block of a document: always stored with its tag. */
@Pagable()
export abstract class Block {
  @Field() id!: string;
}

@TypeTag('docs.Paragraph')
@Pagable()
export class ParagraphBlock extends Block {
  @Field() text!: string;
  @Field() marks!: string[];
}

@TypeTag('docs.Heading')
@Pagable()
export class HeadingBlock extends Block {
  @Field() level!: number;
  @Field() text!: string;
}

@TypeTag('docs.Image')
@Pagable()
export class ImageBlock extends Block {
  @Field() src!: string;
  @Field() width!: number;
  @Field() height!: number;
  @Field() alt!: string;
}

@TypeTag('docs.Code')
@Pagable()
export class CodeBlock extends Block {
  @Field() language!: string;
  @Field() source!: string;
}

@TypeTag('docs.Checklist')
@Pagable()
export class ChecklistBlock extends Block {
  @Field() items!: string[];
  @Field() done!: boolean[];
}

@TypeTag('docs.Author')
@Pagable()
export class DocAuthor {
  @Field() id!: number;
  @Field() name!: string;
  @Field() email!: string;
  @Field() since!: Date;
}

@TypeTag('docs.Attachment')
@Pagable()
export class DocAttachment {
  @Field() name!: string;
  @Field() mime!: string;
  @Field() bytes!: Uint8Array;
}

@TypeTag('docs.Doc')
@Pagable()
export class Doc {
  @Field() id!: string;
  @Field() title!: string;
  @Field() created!: Date;
  @Field() revision!: number;
  @Field() tags!: string[];
  @Dyn(() => [Block]) blocks!: Block[];
  @Field() digest!: Uint8Array;
  @Shared(() => DocAuthor) author!: DocAuthor;
  @Lazy(() => DocAttachment) attachment!: PagableArc<DocAttachment>;
}

@TypeTag('docs.DocStore')
@Pagable()
export class DocStore {
  @Field() name!: string;
  @Shared(() => [DocAuthor]) authors!: DocAuthor[];
  @Shared(() => [Doc]) documents!: Doc[];
}
