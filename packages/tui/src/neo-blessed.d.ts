// neo-blessed is a maintained fork of blessed with the same API; reuse blessed's type definitions.
declare module 'neo-blessed' {
  import blessed = require('blessed');
  export = blessed;
}
