let loaded;
module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require('./undici/index.js'))[key] });
