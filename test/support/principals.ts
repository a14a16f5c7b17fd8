import { Principal } from '@dfinity/principal';

/**
 * The fixed principals of the upstream conformance suite (protocol spec §6.1), so failures here can be compared
 * one-to-one with the Rust CDK's integration tests.
 *
 * @example
 * ```ts
 * await canister.open({ client_principal: CLIENT_1, client_nonce: 1n }, GATEWAY_1);
 * ```
 */
export const CLIENT_1 = Principal.fromText('pmisz-prtlk-b6oe6-bj4fl-6l5fy-h7c2h-so6i7-jiz2h-bgto7-piqfr-7ae');
export const CLIENT_2 = Principal.fromText('zuh6g-qnmvg-vky2t-tnob7-h4xoj-ykrcx-jqjpi-cdf3k-23i3i-ykozs-fae');
export const GATEWAY_1 = Principal.fromText('i3gux-m3hwt-5mh2w-t7wwm-fwx5j-6z6ht-hxguo-t4rfw-qp24z-g5ivt-2qe');
export const GATEWAY_2 = Principal.fromText('trj6m-u7l6v-zilnb-2hl6a-3jfz3-asri5-mkw3k-e2tpo-5emmk-6hqxb-uae');
export const ANONYMOUS = Principal.anonymous();
