// OCI image layouts: directory and tar, in both directions.
export { saveOciLayoutDir, saveOciArchive, ociLayoutEntries, importOciLayout, importManifest, loadImageForExport, resolveRecords } from './oci.ts';
export type { ExportedImage, LoadOptions } from './oci.ts';
