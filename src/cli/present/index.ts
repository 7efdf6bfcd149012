// How every berth command prints: docker's units (the size algorithm is src/util/units.ts,
// shared with the image layer's progress lines), Go templates with docker's functions, tables.
export { humanSize, bytesSize, humanDuration, timeAgo, goTime, goG } from './units.ts';
export { parseTemplate, execute, headerOf, goValue, TemplateError, type Template } from './template.ts';
export { imageRow, historyRow, defaultImageTable, IMAGE_HEADERS, HISTORY_HEADERS, HISTORY_TABLE, type ImageRow, type HistoryRow } from './images.ts';
export { layoutTable, alignTabs, formatItems, formatDocs, isTableFormat } from './table.ts';
export { plainRenderer, ttyRenderer, type Renderer } from './build-progress.ts';
