// The bundle's entry: the page controller (and through it happy-dom), evaluated inside the guest realm.
export { createPage } from './page.js';
