/** Public surface of @enclave/mpc; filled by its own issue. */
export {};
