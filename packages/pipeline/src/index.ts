// What select-services and preview-comment use (and their tests); everything else stays inside.
export { parseServices, selectServices, touches } from './services';
export { changedFiles, sourceKeys } from './changes';
export {
  PREVIEW_STATUSES,
  previewCommentBody,
  previewMarker,
  resolvePullRequest,
  upsertStickyComment,
} from './sticky-comment';
export {
  previewCommentInputs,
  readPreviewCommentRequest,
  readSelectServicesRequest,
  selectServicesInputs,
} from './inputs';
