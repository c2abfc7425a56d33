// The browser bundle of tests/browser/test_uppy_tus.py: Uppy's core and its tus plugin, as a
// page that uses them would import them (bundled by esbuild, from node_modules).
import Uppy from '@uppy/core'
import Tus from '@uppy/tus'

window.Uppy = Uppy
window.UppyTus = Tus
