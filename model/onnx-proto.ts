import { ProtoWriter } from './protobuf';

/** Field numbers and enums from onnx/onnx.proto, only those this project writes. */
export enum OnnxDataType {
  Float = 1,
  Int32 = 6,
  Int64 = 7,
}

const AttributeType = { Float: 1, Int: 2, Ints: 7 } as const;

export type Dimension = number | string;

export interface OnnxAttribute {
  readonly name: string;
  readonly value: number | readonly number[];
  readonly type: 'int' | 'float' | 'ints';
}

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly OnnxAttribute[];
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly elementType: OnnxDataType;
  readonly shape: readonly Dimension[];
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly int64s: readonly number[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

const IR_VERSION = 8;

export function encodeModel(graph: OnnxGraph, opsetVersion: number): Uint8Array {
  const opset = new ProtoWriter().stringField(1, '').varintField(2, opsetVersion);
  return new ProtoWriter()
    .varintField(1, IR_VERSION)
    .stringField(2, 'l402-train')
    .stringField(3, '1')
    .messageField(7, encodeGraph(graph))
    .messageField(8, opset)
    .finish();
}

function encodeGraph(graph: OnnxGraph): ProtoWriter {
  const writer = new ProtoWriter();
  graph.nodes.forEach((node, i) => writer.messageField(1, encodeNode(node, i)));
  writer.stringField(2, graph.name);
  for (const initializer of graph.initializers) writer.messageField(5, encodeInitializer(initializer));
  for (const input of graph.inputs) writer.messageField(11, encodeValueInfo(input));
  for (const output of graph.outputs) writer.messageField(12, encodeValueInfo(output));
  return writer;
}

function encodeNode(node: OnnxNode, position: number): ProtoWriter {
  const writer = new ProtoWriter();
  for (const input of node.inputs) writer.stringField(1, input);
  for (const output of node.outputs) writer.stringField(2, output);
  writer.stringField(3, `${node.opType.toLowerCase()}_${position}`).stringField(4, node.opType);
  for (const attribute of node.attributes ?? []) writer.messageField(5, encodeAttribute(attribute));
  return writer;
}

function encodeAttribute(attribute: OnnxAttribute): ProtoWriter {
  const writer = new ProtoWriter().stringField(1, attribute.name);
  if (attribute.type === 'float')
    writer.floatField(2, attribute.value as number).varintField(20, AttributeType.Float);
  else if (attribute.type === 'int')
    writer.varintField(3, attribute.value as number).varintField(20, AttributeType.Int);
  else writer.packedVarintField(8, attribute.value as readonly number[]).varintField(20, AttributeType.Ints);
  return writer;
}

function encodeInitializer(initializer: OnnxInitializer): ProtoWriter {
  const writer = new ProtoWriter();
  writer.packedVarintField(1, initializer.dims);
  writer.varintField(2, OnnxDataType.Int64);
  writer.packedVarintField(7, initializer.int64s);
  return writer.stringField(8, initializer.name);
}

function encodeValueInfo(info: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    const dimension = new ProtoWriter();
    if (typeof dim === 'number') dimension.varintField(1, dim);
    else dimension.stringField(2, dim);
    shape.messageField(1, dimension);
  }
  const tensorType = new ProtoWriter().varintField(1, info.elementType).messageField(2, shape);
  const type = new ProtoWriter().messageField(1, tensorType);
  return new ProtoWriter().stringField(1, info.name).messageField(2, type);
}
