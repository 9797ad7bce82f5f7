// snapvm conformance fixture (MIT)
export const log = ['fixture before await'];
export let value = 'pending';
await new Promise(function (resolve) { Promise.resolve().then(resolve); });
log.push('fixture after await');
value = 'ready';
