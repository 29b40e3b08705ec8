/** xhr2 (tests only): an XMLHttpRequest over node:http, for the dicomweb-client package in Node. */
declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}
