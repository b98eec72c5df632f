/** Public surface of @enclave/contracts; filled by its own issue. */
export {};
