export default {
  fetch() {
    return new Response("floor");
  },
};
