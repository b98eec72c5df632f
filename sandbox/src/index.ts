/** Public surface of @enclave/sandbox; filled by its own issue. */
export {};
