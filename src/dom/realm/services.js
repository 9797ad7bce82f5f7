// The capability object the DOM room hands to the happy-dom bundle (see ../bundle.ts): every host
// service happy-dom may use is a function made in the guest realm. Nothing else of the host is reachable.
/* global __snapvm_services */
export const services = __snapvm_services;
