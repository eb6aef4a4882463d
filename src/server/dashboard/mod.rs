//! The dashboard (PRODUCT.md section 10): two server-rendered pages, `/` and `/jobs/NAME`,
//! with their style and script embedded (`html`), written from the API's JSON (`page`).

pub(crate) mod html;
pub(crate) mod page;

#[cfg(test)]
mod tests;
