import { createHash } from 'node:crypto';

export const DIGEST = /^sha256:[0-9a-f]{64}$/;

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** The fields of an image manifest or index that the registry reads. */
export interface ParsedManifest {
  mediaType?: string;
  config?: { mediaType?: string; size?: number };
  layers?: Array<{ size?: number }>;
  manifests?: unknown[];
}

/** A manifest's digest: sha256 of its exact bytes, as the registry stores them. */
export function manifestDigest(manifest: string): string {
  return `sha256:${createHash('sha256').update(manifest, 'utf8').digest('hex')}`;
}

/** The manifest as a JSON object, or undefined when it is not one. */
export function parseManifest(manifest: string): ParsedManifest | undefined {
  return parseJsonObject(manifest) as ParsedManifest | undefined;
}

/** A JSON object, or undefined for anything else (invalid JSON, arrays, scalars). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The media type recorded for a manifest: the one the request gives, else the manifest's own
 * `mediaType`, else OCI's (the field is optional in OCI manifests and indexes).
 */
export function recordedMediaType(parsed: ParsedManifest, given: string | undefined): string {
  if (given) return given;
  if (typeof parsed.mediaType === 'string' && parsed.mediaType) return parsed.mediaType;
  return Array.isArray(parsed.manifests) ? OCI_INDEX : OCI_MANIFEST;
}

/** The sum of the layers' sizes for an image manifest; the manifest's own length for an index. */
export function imageSize(manifest: string): number {
  const layers = parseManifest(manifest)?.layers;
  if (!Array.isArray(layers)) return Buffer.byteLength(manifest);
  return layers.reduce((sum, layer) => sum + (typeof layer?.size === 'number' ? layer.size : 0), 0);
}
