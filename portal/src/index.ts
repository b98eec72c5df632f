/** Public surface of @enclave/portal; filled by its own issue. */
export {};
