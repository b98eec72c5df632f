/** The portal's dictionaries, also used by the API for the pages it renders on the server. */
export { en } from './en.ts';
export { zh } from './zh.ts';
